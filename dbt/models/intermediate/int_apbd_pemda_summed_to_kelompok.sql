{#- Every pemda's planned APBD per year from DJPK's national file, summed from jenis-level
    accounts to the figures a peer comparison needs (Permendagri 90: 4.1 PAD, 4.2 transfers,
    5.1.01 pegawai, 5.1.02 barang dan jasa, 5.1.05 hibah, 5.1.06 bansos, 5.2 modal, 5.4 transfers
    to other governments). DJPK lists only the accounts a pemda budgets: a part missing from a
    pemda whose total is there is zero (a kota has no villages to transfer to), not unknown. -#}
with

apbd as (

    select * from {{ ref('stg_djpk__apbd_pemda') }}

)

select
    kode_djpk,
    tahun,
    sum(nilai_rp) filter (where kode_akun like '4.%') as pendapatan_rp,
    case
        when count(*) filter (where kode_akun like '4.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun like '4.1.%'), 0)
    end as pad_rp,
    case
        when count(*) filter (where kode_akun like '4.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun like '4.2.%'), 0)
    end as transfer_masuk_rp,
    sum(nilai_rp) filter (where kode_akun like '5.%') as belanja_rp,
    case
        when count(*) filter (where kode_akun like '5.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.01'), 0)
    end as belanja_pegawai_rp,
    case
        when count(*) filter (where kode_akun like '5.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.02'), 0)
    end as belanja_barang_jasa_rp,
    case
        when count(*) filter (where kode_akun like '5.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun like '5.2.%'), 0)
    end as belanja_modal_rp,
    case
        when count(*) filter (where kode_akun like '5.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.05'), 0)
    end as belanja_hibah_rp,
    case
        when count(*) filter (where kode_akun like '5.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun = '5.1.06'), 0)
    end as belanja_bansos_rp,
    case
        when count(*) filter (where kode_akun like '5.%') > 0
            then coalesce(sum(nilai_rp) filter (where kode_akun like '5.4.%'), 0)
    end as belanja_transfer_rp
from apbd
group by kode_djpk, tahun
